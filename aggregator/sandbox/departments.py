"""The departments (부서) of the fictional 한빛구청, reusable by config.yaml authors.

54 names modelled on the organisation charts of Seoul's autonomous districts (구청):
offices under the mayor, the bureaus' divisions, and the public health centre (보건소).
"""

from __future__ import annotations

DEPARTMENTS: tuple[str, ...] = (
    # 구청장 직속
    "기획예산과",
    "감사담당관",
    "소통담당관",
    "홍보과",
    "법무담당관",
    # 행정국
    "총무과",
    "자치행정과",
    "민원여권과",
    "재무과",
    "세무1과",
    "세무2과",
    "부동산정보과",
    "디지털정책과",
    # 경제문화국
    "일자리경제과",
    "지역경제과",
    "청년정책과",
    "문화체육과",
    "관광과",
    "교육지원과",
    "평생학습과",
    # 복지국
    "복지정책과",
    "생활보장과",
    "어르신복지과",
    "장애인복지과",
    "아동청소년과",
    "가족정책과",
    "보육지원과",
    "통합돌봄과",
    # 환경국
    "청소행정과",
    "자원순환과",
    "환경과",
    "공원녹지과",
    "푸른천관리과",
    # 도시관리국
    "도시계획과",
    "도시재생과",
    "주택과",
    "건축과",
    "토지관리과",
    "건설관리과",
    "도로과",
    "치수과",
    # 교통안전국
    "교통행정과",
    "주차관리과",
    "교통지도과",
    "안전총괄과",
    "재난대응과",
    "스마트도시과",
    # 보건소
    "보건소 보건행정과",
    "보건소 건강증진과",
    "보건소 의약과",
    "보건소 감염병관리과",
    "보건소 위생과",
    "보건소 방문보건과",
    "보건소 정신건강과",
)

COMMUNICATIONS_OFFICE = "소통담당관"
"""The office that receives every resident comment and routes it."""
