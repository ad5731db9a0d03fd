"""The reads of one document, and of a document's sub-lists, with their 404: where the problem code is decided,
so the routes only open a read session, call and render (the list queries are adapters/queries.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from psi_purchasing.adapters import approvals, queries
from psi_purchasing.adapters import requisitions as requisition_queries
from psi_purchasing.domain.approval import DocumentType
from psi_purchasing.domain.errors import (
    PurchaseOrderNotFound,
    ReceiptNotFound,
    RequisitionNotFound,
    ReturnNotFound,
    SupplierNotFound,
)
from psi_purchasing.service.scorecard import scorecards

Page = tuple[list[dict[str, Any]], int]


def _ensure_order(session: Session, po_id: int) -> None:
    if not queries.purchase_order_exists(session, po_id):
        raise PurchaseOrderNotFound(f"purchase order {po_id} does not exist")


def _ensure_supplier(session: Session, supplier_id: int) -> dict[str, Any]:
    supplier = queries.supplier(session, supplier_id)
    if supplier is None:
        raise SupplierNotFound(f"supplier {supplier_id} does not exist")
    return supplier


def purchase_order(session: Session, po_id: int) -> dict[str, Any]:
    """One order with its lines; 404 PURCHASE_ORDER_NOT_FOUND."""
    order = queries.purchase_order(session, po_id)
    if order is None:
        raise PurchaseOrderNotFound(f"purchase order {po_id} does not exist")
    return order


def receipts_of_order(session: Session, po_id: int, *, page: int, page_size: int) -> Page:
    """An order's receipts, oldest first; 404 PURCHASE_ORDER_NOT_FOUND."""
    _ensure_order(session, po_id)
    return queries.list_receipts_of_order(session, po_id, page=page, page_size=page_size)


def approvals_of_order(session: Session, po_id: int, *, page: int, page_size: int) -> Page:
    """An order's approval log, oldest first; 404 PURCHASE_ORDER_NOT_FOUND."""
    _ensure_order(session, po_id)
    return approvals.log_of(session, str(DocumentType.PURCHASE_ORDER), po_id, page=page, page_size=page_size)


def receipt(session: Session, receipt_id: int) -> dict[str, Any]:
    """One goods receipt with its lines; 404 RECEIPT_NOT_FOUND."""
    found = queries.receipt(session, receipt_id)
    if found is None:
        raise ReceiptNotFound(f"receipt {receipt_id} does not exist")
    return found


def purchase_return(session: Session, return_id: int) -> dict[str, Any]:
    """One purchase return with its lines and inventory's answer; 404 RETURN_NOT_FOUND."""
    found = queries.purchase_return(session, return_id)
    if found is None:
        raise ReturnNotFound(f"return {return_id} does not exist")
    return found


def supplier(session: Session, supplier_id: int) -> dict[str, Any]:
    """One supplier; 404 SUPPLIER_NOT_FOUND."""
    return _ensure_supplier(session, supplier_id)


def prices_of_supplier(session: Session, supplier_id: int, *, sku: str | None, page: int, page_size: int) -> Page:
    """A supplier's price list; 404 SUPPLIER_NOT_FOUND."""
    _ensure_supplier(session, supplier_id)
    return queries.list_prices(session, supplier_id, sku=sku, page=page, page_size=page_size)


def scorecard_of_supplier(session: Session, supplier_id: int, date_from: date, date_to: date) -> dict[str, Any]:
    """One supplier's scorecard over the period (empty figures without receipts); 404 SUPPLIER_NOT_FOUND."""
    _ensure_supplier(session, supplier_id)
    (card,) = scorecards(session, [supplier_id], date_from, date_to)
    return card


def requisition(session: Session, requisition_id: int) -> dict[str, Any]:
    """One requisition with its lines and approvals log; 404 REQUISITION_NOT_FOUND."""
    found = requisition_queries.requisition(session, requisition_id)
    if found is None:
        raise RequisitionNotFound(f"requisition {requisition_id} does not exist")
    return found
