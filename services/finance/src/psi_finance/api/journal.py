"""The journal: /api/v1/finance/journal-entries (manual entries, reversals, the list and each entry)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import filters_of, page_of
from psi_chassis.app import current_db
from psi_chassis.web import current_actor
from psi_finance.adapters import queries
from psi_finance.api.schemas import EntryCreateSchema, EntryDetailSchema, EntryPage, EntryQueryArgs, ReverseSchema
from psi_finance.domain.commands import PostManualEntry, ReverseEntry
from psi_finance.domain.journal import JournalLine
from psi_finance.service import entries as service

blp = Blueprint(
    "journal_entries",
    __name__,
    url_prefix="/api/v1/finance/journal-entries",
    description="The journal (记账凭证): every posting, manual or from an event, and reversals (红冲)",
)


@blp.route("")
class JournalEntries(MethodView):
    @blp.arguments(EntryQueryArgs, location="query")
    @blp.response(200, EntryPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Entries, newest first; by period posted into, account, source kind and entry date."""
        with current_db().unit_of_work() as session:
            items, total = queries.list_entries(session, filters_of(args), args["page"], args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(EntryCreateSchema)
    @blp.response(201, EntryDetailSchema)
    @blp.alt_response(409, description="PERIOD_CLOSED: the entry date's period is closed")
    @blp.alt_response(422, description="UNBALANCED_ENTRY, UNKNOWN_ACCOUNT, INVALID_ENTRY, FUTURE_DATE")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """A manual entry: balanced lines on active accounts, dated in an open period (default today)."""
        lines = tuple(JournalLine(**line) for line in body["lines"])
        cmd = PostManualEntry(body["entry_date"], body["description"], lines, body["document_ref"])
        found = service.post_manual_entry(current_db(), cmd, current_actor())
        return found, {"Location": url_for("journal_entries.JournalEntryById", entry_id=found["id"])}


@blp.route("/<int:entry_id>")
class JournalEntryById(MethodView):
    @blp.response(200, EntryDetailSchema)
    @blp.alt_response(404, description="JOURNAL_ENTRY_NOT_FOUND")
    def get(self, entry_id: int) -> dict[str, Any]:
        """One entry with its lines, where it came from and what reverses it."""
        return service.get_entry(current_db(), entry_id)


@blp.route("/<int:entry_id>/reverse")
class ReverseJournalEntry(MethodView):
    @blp.arguments(ReverseSchema)
    @blp.response(201, EntryDetailSchema)
    @blp.alt_response(404, description="JOURNAL_ENTRY_NOT_FOUND")
    @blp.alt_response(409, description="ALREADY_REVERSED, REVERSAL_NOT_REVERSIBLE, PERIOD_CLOSED")
    @blp.alt_response(422, description="REVERSAL_BEFORE_ORIGINAL, FUTURE_DATE")
    def post(self, body: dict[str, Any], entry_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Reverse an entry (红冲): the same lines, sides swapped, dated today or `entry_date`; once only, and a
        reversal is not reversed itself (post the original again instead)."""
        cmd = ReverseEntry(entry_id, body["entry_date"], body["description"])
        found = service.reverse_entry(current_db(), cmd, current_actor())
        return found, {"Location": url_for("journal_entries.JournalEntryById", entry_id=found["id"])}
