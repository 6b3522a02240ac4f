"""Blogs (Naver Blog, WordPress, Tistory, any RSS/Atom feed): feeds, WordPress REST and answers."""
