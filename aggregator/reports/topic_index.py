"""Analysing comments' nouns for the monthly topics, in batches apart from syncs.

Morphological analysis (kiwipiepy, ~1,300 comments per CPU second and a model of
~260 MB) is far too slow and large for the ingest path and for long-running processes,
so new and edited comments are analysed in batches by the scheduler's `topics` job (or
`aggregator topics update` from cron), each time in a lean worker process that exits
and gives its memory back (`aggregator.reports.topic_worker`). A report counts the
stored nouns; it analyses first (in the worker too) only what the job has not reached.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aggregator.config import Settings
from aggregator.reports.topic_worker import worker_extractor
from aggregator.reports.topics import NounExtractor, default_extractor, nouns_text
from aggregator.store import Store

if TYPE_CHECKING:
    from aggregator.scheduling import ExtraJob

log = logging.getLogger(__name__)
BATCH = 1000
TOPICS_JOB = "topics"


def update_topics(
    store: Store, extractor: NounExtractor | None = None, limit: int | None = None
) -> int:
    """Analyse comments whose current text has no stored nouns; return how many.

    The district's own replies get an empty entry without analysis (topics are the
    residents'). Stops after `limit` comments when given.
    """
    extract = extractor or default_extractor()
    done = 0
    while limit is None or done < limit:
        items = store.reports.topics_to_analyse(
            BATCH if limit is None else min(BATCH, limit - done)
        )
        if not items:
            break
        residents = [item for item in items if not item.by_account_owner]
        found = dict(
            zip(
                (item.comment_id for item in residents),
                extract([item.text for item in residents]),
                strict=True,
            )
        )
        store.reports.save_topics(
            [(item, nouns_text(found.get(item.comment_id, ()))) for item in items]
        )
        done += len(items)
    return done


def update_in_child(store: Store, limit: int | None = None) -> int:
    """`update_topics` with kiwipiepy in a lean worker process
    (`aggregator.reports.topic_worker`): this process streams the comments to it from
    the store, so the model's memory never stays here (the web server, the scheduler,
    a report) and exits with the worker."""
    with worker_extractor() as extract:
        return update_topics(store, extract, limit)


def scheduled_update(store: Store, _settings: Settings) -> None:
    """The scheduler's `topics` job."""
    count = update_in_child(store)
    if count:
        log.info("topics: analysed %d comments", count)


def topic_jobs(settings: Settings) -> list[ExtraJob]:
    """The scheduler's `topics` job on `reports.topics_schedule` (`scheduler.py` lists it)."""
    from aggregator.scheduling import ExtraJob

    return [ExtraJob(TOPICS_JOB, settings.reports.topics_schedule, scheduled_update)]
