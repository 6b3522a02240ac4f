"""A blog account's settings (`platform: blog`)."""

from __future__ import annotations

from typing import Literal

from pydantic import HttpUrl, model_validator

from aggregator.settings_base import AccountBase, OptionalAccountSecret


class BlogAccount(AccountBase):
    """A blog read from its feeds: Naver Blog, WordPress, Tistory or any RSS/Atom feed."""

    platform: Literal["blog"]
    flavor: Literal["naver", "wordpress", "tistory", "rss"] = "rss"
    feed_url: HttpUrl
    comments_feed_url: HttpUrl | None = None
    per_post_comment_feeds: bool = True
    """WordPress: also read each post's own comments when its comment count changes."""
    comments_api: Literal["auto", "rest", "feeds"] = "auto"
    """WordPress: read a post's comments by REST (`/wp-json/wp/v2/comments`), by its comment
    feed, or `auto`: REST where the site offers it, else the feed."""
    owner_names: tuple[str, ...] = ()
    """Author names the district's staff reply under (besides the posts' authors)."""
    write_username: str | None = None
    """WordPress: the user (an Editor) whose Application Password posts answers."""
    write_app_password: OptionalAccountSecret = None
    """WordPress: that user's Application Password; unset: answers are copied by hand."""

    @model_validator(mode="after")
    def _write_credentials_for_wordpress_only(self) -> BlogAccount:
        for key in ("write_username", "write_app_password"):
            if key in self.model_fields_set and self.flavor != "wordpress":
                raise ValueError(
                    f"{key}: only WordPress blogs take answers by API (this one is "
                    f"{self.flavor}); remove the key"
                )
        if ("write_app_password" in self.model_fields_set) != (self.write_username is not None):
            raise ValueError("write_username and write_app_password go together; give both")
        return self

    @model_validator(mode="after")
    def _comments_only_where_feeds_exist(self) -> BlogAccount:
        if self.comments_feed_url is not None and self.flavor in ("naver", "tistory"):
            raise ValueError(
                f"comments_feed_url: {self.flavor} blogs have no comment feed; remove the key"
            )
        if self.comments_api == "rest" and self.flavor != "wordpress":
            raise ValueError(
                f"comments_api: rest is for WordPress blogs only (this one is {self.flavor})"
            )
        return self

    def has_write_api(self) -> bool:
        """Only WordPress blogs take answers (and hold comments) through their REST API."""
        return self.flavor == "wordpress"

    def can_write(self) -> bool:
        """A WordPress blog with `write_username` and `write_app_password` set."""
        return (
            self.has_write_api()
            and self.write_username is not None
            and self.write_app_password is not None
        )
