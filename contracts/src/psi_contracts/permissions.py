"""The permission table: which role may call which API route and method.

One table for the whole system. The gateway builds its allow-list of routes from it and checks roles before
forwarding; every service checks the same table again against the verified token (so a call that bypasses the
gateway meets the same rules); docs/permissions.md is generated from it. A route that is not in this table is
not reachable through the gateway and is refused by the service.

Templates use werkzeug rule syntax (``<int:po_id>``); :func:`canonical` makes ``<sku>`` and ``<string:sku>``
compare equal, so a service's own rule string finds its entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ADMIN = "admin"
PURCHASER = "purchaser"
PURCHASING_MANAGER = "purchasing_manager"
SALES = "sales"
SALES_MANAGER = "sales_manager"
WAREHOUSE = "warehouse"
ACCOUNTANT = "accountant"
VIEWER = "viewer"

ROLES: tuple[str, ...] = (
    ADMIN,
    PURCHASER,
    PURCHASING_MANAGER,
    SALES,
    SALES_MANAGER,
    WAREHOUSE,
    ACCOUNTANT,
    VIEWER,
)

#: Anyone signed in (every role) may call the route.
EVERYONE = frozenset(ROLES)
#: No token needed at all (token issue, refresh, key set).
PUBLIC: frozenset[str] = frozenset()

_PURCHASING_READERS = frozenset({ADMIN, PURCHASER, PURCHASING_MANAGER, WAREHOUSE, ACCOUNTANT, VIEWER})
_BUYERS = frozenset({ADMIN, PURCHASER, PURCHASING_MANAGER})
_RECEIVERS = frozenset({ADMIN, WAREHOUSE, PURCHASING_MANAGER})
_STOCK_KEEPERS = frozenset({ADMIN, WAREHOUSE})
_PURCHASE_APPROVERS = frozenset({ADMIN, PURCHASING_MANAGER})
_REQUESTERS = frozenset({ADMIN, PURCHASER, PURCHASING_MANAGER, WAREHOUSE, SALES, SALES_MANAGER})
_CATALOG_EDITORS = frozenset({ADMIN, WAREHOUSE, PURCHASING_MANAGER})
_RESERVERS = frozenset({ADMIN, SALES, SALES_MANAGER, WAREHOUSE})
_SALES_READERS = frozenset({ADMIN, SALES, SALES_MANAGER, WAREHOUSE, ACCOUNTANT, VIEWER})
_SELLERS = frozenset({ADMIN, SALES, SALES_MANAGER})
_SALES_MANAGERS = frozenset({ADMIN, SALES_MANAGER})
_SHIPPERS = frozenset({ADMIN, SALES, SALES_MANAGER, WAREHOUSE})
_FINANCE_READERS = frozenset({ADMIN, ACCOUNTANT, VIEWER, PURCHASING_MANAGER, SALES_MANAGER})
_BOOKKEEPERS = frozenset({ADMIN, ACCOUNTANT})
_PERIOD_CLOSERS = frozenset({ADMIN})


@dataclass(frozen=True)
class Permission:
    """``roles`` may call ``method`` on ``path``; ``public`` routes need no token.

    ``idempotent_create``: a POST that creates a document and so honours ``Idempotency-Key``.
    """

    method: str
    path: str
    roles: frozenset[str]
    public: bool = False
    idempotent_create: bool = False

    @property
    def service(self) -> str:
        """The service behind the route: the segment after /api/v1/ (``auth`` is the gateway's own)."""
        return self.path.split("/")[3]


def _read(path: str, roles: frozenset[str] = EVERYONE) -> Permission:
    return Permission("GET", path, roles)


def _create(path: str, roles: frozenset[str]) -> Permission:
    return Permission("POST", path, roles, idempotent_create=True)


def _action(path: str, roles: frozenset[str], method: str = "POST") -> Permission:
    return Permission(method, path, roles)


PERMISSIONS: tuple[Permission, ...] = (
    # gateway: identity
    Permission("POST", "/api/v1/auth/token", PUBLIC, public=True),
    Permission("POST", "/api/v1/auth/refresh", PUBLIC, public=True),
    Permission("GET", "/api/v1/auth/jwks", PUBLIC, public=True),
    _read("/api/v1/auth/me"),
    _read("/api/v1/auth/users", frozenset({ADMIN})),
    Permission("POST", "/api/v1/auth/users", frozenset({ADMIN})),  # the gateway's own: no Idempotency-Key
    _read("/api/v1/auth/users/<int:user_id>", frozenset({ADMIN})),
    _action("/api/v1/auth/users/<int:user_id>", frozenset({ADMIN}), method="PATCH"),
    # sales: customers and their classes (credit limit and status: a sales manager's)
    _read("/api/v1/sales/customers", _SALES_READERS),
    _create("/api/v1/sales/customers", _SELLERS),
    _read("/api/v1/sales/customers/<int:customer_id>", _SALES_READERS),
    _action("/api/v1/sales/customers/<int:customer_id>", _SELLERS, method="PATCH"),
    _action("/api/v1/sales/customers/<int:customer_id>/status", _SALES_MANAGERS),
    _read("/api/v1/sales/customer-classes", _SALES_READERS),
    _create("/api/v1/sales/customer-classes", _SALES_MANAGERS),
    _read("/api/v1/sales/customer-classes/<code>", _SALES_READERS),
    _action("/api/v1/sales/customer-classes/<code>", _SALES_MANAGERS, method="PATCH"),
    # sales: pricing (price lists and rules a sales manager's; a quote writes nothing)
    _read("/api/v1/sales/price-lists", _SALES_READERS),
    _create("/api/v1/sales/price-lists", _SALES_MANAGERS),
    _read("/api/v1/sales/price-lists/<int:price_list_id>", _SALES_READERS),
    _read("/api/v1/sales/discount-rules", _SALES_READERS),
    _create("/api/v1/sales/discount-rules", _SALES_MANAGERS),
    _action("/api/v1/sales/discount-rules/<int:rule_id>/deactivate", _SALES_MANAGERS),
    _action("/api/v1/sales/price-quotes", _SELLERS),
    # sales: quotations (converted once into a draft order, prices kept or repriced)
    _read("/api/v1/sales/quotations", _SALES_READERS),
    _create("/api/v1/sales/quotations", _SELLERS),
    _read("/api/v1/sales/quotations/<int:quotation_id>", _SALES_READERS),
    _create("/api/v1/sales/quotations/<int:quotation_id>/convert", _SELLERS),
    _action("/api/v1/sales/quotations/<int:quotation_id>/cancel", _SELLERS),
    # sales: orders
    _read("/api/v1/sales/orders", _SALES_READERS),
    _create("/api/v1/sales/orders", _SELLERS),
    _read("/api/v1/sales/orders/<int:order_id>", _SALES_READERS),
    _action("/api/v1/sales/orders/<int:order_id>", _SELLERS, method="PATCH"),
    _action("/api/v1/sales/orders/<int:order_id>/confirm", _SELLERS),
    _action("/api/v1/sales/orders/<int:order_id>/release-credit-hold", _SALES_MANAGERS),
    _action("/api/v1/sales/orders/<int:order_id>/retry-reservation", _SELLERS),
    _action("/api/v1/sales/orders/<int:order_id>/cancel", _SELLERS),
    _action("/api/v1/sales/orders/<int:order_id>/complete", _SELLERS),
    # sales: shipments and returns (the warehouse ships and receives too), backorders
    _create("/api/v1/sales/orders/<int:order_id>/shipments", _SHIPPERS),
    _create("/api/v1/sales/orders/<int:order_id>/returns", _SHIPPERS),
    _read("/api/v1/sales/shipments", _SALES_READERS),
    _read("/api/v1/sales/shipments/<int:shipment_id>", _SALES_READERS),
    _read("/api/v1/sales/returns", _SALES_READERS),
    _read("/api/v1/sales/returns/<int:return_id>", _SALES_READERS),
    _read("/api/v1/sales/backorders", _SALES_READERS),
    # sales: finance's exchange rates as sales keeps them (read only)
    _read("/api/v1/sales/exchange-rates", _SALES_READERS),
    # inventory: stock
    _read("/api/v1/inventory/stock"),
    _read("/api/v1/inventory/stock/<sku>"),
    _read("/api/v1/inventory/stock-as-of"),
    _read("/api/v1/inventory/low-stock"),
    _read("/api/v1/inventory/stock-card"),
    _read("/api/v1/inventory/stock-value"),
    # inventory: item master and warehouses
    _read("/api/v1/inventory/items"),
    _create("/api/v1/inventory/items", _CATALOG_EDITORS),
    _read("/api/v1/inventory/items/<sku>"),
    _action("/api/v1/inventory/items/<sku>", _CATALOG_EDITORS, method="PATCH"),
    _action("/api/v1/inventory/items/<sku>/deactivate", _CATALOG_EDITORS),
    _read("/api/v1/inventory/warehouses"),
    _create("/api/v1/inventory/warehouses", frozenset({ADMIN, WAREHOUSE})),
    _read("/api/v1/inventory/warehouses/<code>"),
    _action("/api/v1/inventory/warehouses/<code>", frozenset({ADMIN, WAREHOUSE}), method="PATCH"),
    _action("/api/v1/inventory/warehouses/<code>/deactivate", frozenset({ADMIN, WAREHOUSE})),
    # inventory: reservations (sales orders reserve through events; shops and POS may call directly)
    _read("/api/v1/inventory/reservations"),
    _create("/api/v1/inventory/reservations", _RESERVERS),
    _read("/api/v1/inventory/reservations/<reference>"),
    _action("/api/v1/inventory/reservations/<reference>/release", _RESERVERS),
    # inventory: documents
    _read("/api/v1/inventory/adjustments"),
    _create("/api/v1/inventory/adjustments", _STOCK_KEEPERS),
    _read("/api/v1/inventory/adjustments/<int:document_id>"),
    _read("/api/v1/inventory/transfers"),
    _create("/api/v1/inventory/transfers", _STOCK_KEEPERS),
    _read("/api/v1/inventory/transfers/<int:document_id>"),
    _action("/api/v1/inventory/transfers/<int:document_id>/receive", _STOCK_KEEPERS),
    _read("/api/v1/inventory/stocktakes"),
    _create("/api/v1/inventory/stocktakes", _STOCK_KEEPERS),
    _read("/api/v1/inventory/stocktakes/<int:document_id>"),
    _action("/api/v1/inventory/stocktakes/<int:document_id>/counts", _STOCK_KEEPERS),
    _action("/api/v1/inventory/stocktakes/<int:document_id>/post", _STOCK_KEEPERS),
    _action("/api/v1/inventory/stocktakes/<int:document_id>/cancel", _STOCK_KEEPERS),
    # inventory: what it booked from other services' documents
    _read("/api/v1/inventory/receipts"),
    _read("/api/v1/inventory/returns"),
    # purchasing
    _read("/api/v1/purchasing/suppliers", _PURCHASING_READERS),
    _create("/api/v1/purchasing/suppliers", _BUYERS),
    _read("/api/v1/purchasing/suppliers/<int:supplier_id>", _PURCHASING_READERS),
    _read("/api/v1/purchasing/purchase-orders", _PURCHASING_READERS),
    _create("/api/v1/purchasing/purchase-orders", _BUYERS),
    _read("/api/v1/purchasing/purchase-orders/<int:po_id>", _PURCHASING_READERS),
    _action("/api/v1/purchasing/purchase-orders/<int:po_id>/approve", _PURCHASE_APPROVERS),
    _read("/api/v1/purchasing/purchase-orders/<int:po_id>/receipts", _PURCHASING_READERS),
    _create("/api/v1/purchasing/purchase-orders/<int:po_id>/receipts", _RECEIVERS),
    _read("/api/v1/purchasing/receipts/<int:receipt_id>", _PURCHASING_READERS),
    # purchasing: suppliers' details and price lists
    _action("/api/v1/purchasing/suppliers/<int:supplier_id>", _BUYERS, method="PATCH"),
    _read("/api/v1/purchasing/suppliers/<int:supplier_id>/prices", _PURCHASING_READERS),
    _create("/api/v1/purchasing/suppliers/<int:supplier_id>/prices", _BUYERS),
    # purchasing: approval policy and budgets (采购额度控制)
    _read("/api/v1/purchasing/approval-tiers", _PURCHASING_READERS),
    _action("/api/v1/purchasing/approval-tiers", frozenset({ADMIN}), method="PUT"),
    _read("/api/v1/purchasing/budgets", _PURCHASING_READERS),
    _action("/api/v1/purchasing/budgets", _PURCHASE_APPROVERS, method="PUT"),
    # purchasing: order lifecycle (审核 / 反审核), amendments, cancellation, short-close (结案), returns
    _action("/api/v1/purchasing/purchase-orders/<int:po_id>", _BUYERS, method="PATCH"),
    _action("/api/v1/purchasing/purchase-orders/<int:po_id>/submit", _BUYERS),
    _action("/api/v1/purchasing/purchase-orders/<int:po_id>/reject", _PURCHASE_APPROVERS),
    _action("/api/v1/purchasing/purchase-orders/<int:po_id>/unapprove", _PURCHASE_APPROVERS),
    _action("/api/v1/purchasing/purchase-orders/<int:po_id>/cancel", _BUYERS),
    _read("/api/v1/purchasing/purchase-orders/<int:po_id>/approvals", _PURCHASING_READERS),
    _create("/api/v1/purchasing/purchase-orders/<int:po_id>/returns", _RECEIVERS),
    _read("/api/v1/purchasing/returns/<int:return_id>", _PURCHASING_READERS),
    _read("/api/v1/purchasing/returns", _PURCHASING_READERS),
    _action("/api/v1/purchasing/purchase-orders/<int:po_id>/short-close", _PURCHASE_APPROVERS),
    # purchasing: requisitions (采购申请) and their conversion into orders
    _read("/api/v1/purchasing/requisitions", _PURCHASING_READERS | _REQUESTERS),
    _create("/api/v1/purchasing/requisitions", _REQUESTERS),
    _read("/api/v1/purchasing/requisitions/<int:requisition_id>", _PURCHASING_READERS | _REQUESTERS),
    _action("/api/v1/purchasing/requisitions/<int:requisition_id>", _REQUESTERS, method="PATCH"),
    _action("/api/v1/purchasing/requisitions/<int:requisition_id>/submit", _REQUESTERS),
    _action("/api/v1/purchasing/requisitions/<int:requisition_id>/approve", _PURCHASE_APPROVERS),
    _action("/api/v1/purchasing/requisitions/<int:requisition_id>/reject", _PURCHASE_APPROVERS),
    _action("/api/v1/purchasing/requisitions/<int:requisition_id>/cancel", _REQUESTERS),
    _create("/api/v1/purchasing/requisitions/convert", _BUYERS),
    # purchasing: supplier scorecard
    _read("/api/v1/purchasing/scorecards", _PURCHASING_READERS),
    _read("/api/v1/purchasing/scorecards/<int:supplier_id>", _PURCHASING_READERS),
    # finance: the chart of accounts (an account with postings is deactivated, never deleted)
    _read("/api/v1/finance/accounts", _FINANCE_READERS),
    _create("/api/v1/finance/accounts", _BOOKKEEPERS),
    _read("/api/v1/finance/accounts/<code>", _FINANCE_READERS),
    _action("/api/v1/finance/accounts/<code>", _BOOKKEEPERS, method="PATCH"),
    _action("/api/v1/finance/accounts/<code>", _BOOKKEEPERS, method="DELETE"),
    _read("/api/v1/finance/accounts/<code>/ledger", _FINANCE_READERS),
    # finance: the journal (manual entries and reversals 红冲 by accountants; event postings by the consumer)
    _read("/api/v1/finance/journal-entries", _FINANCE_READERS),
    _create("/api/v1/finance/journal-entries", _BOOKKEEPERS),
    _read("/api/v1/finance/journal-entries/<int:entry_id>", _FINANCE_READERS),
    _create("/api/v1/finance/journal-entries/<int:entry_id>/reverse", _BOOKKEEPERS),
    # finance: periods (closing and reopening an administrator's) and the trial balance
    _read("/api/v1/finance/periods", _FINANCE_READERS),
    _action("/api/v1/finance/periods/<period>/close", _PERIOD_CLOSERS),
    _action("/api/v1/finance/periods/<period>/reopen", _PERIOD_CLOSERS),
    _read("/api/v1/finance/trial-balance", _FINANCE_READERS),
    _read("/api/v1/finance/reconciliation/inventory", _FINANCE_READERS),
    # finance: supplier bills, matched three ways; the exception queue resolved by accountants
    _read("/api/v1/finance/supplier-bills", _FINANCE_READERS),
    _create("/api/v1/finance/supplier-bills", _BOOKKEEPERS),
    _read("/api/v1/finance/supplier-bills/<int:bill_id>", _FINANCE_READERS),
    _action("/api/v1/finance/supplier-bills/<int:bill_id>/accept", _BOOKKEEPERS),
    _action("/api/v1/finance/supplier-bills/<int:bill_id>/reject", _BOOKKEEPERS),
    _read("/api/v1/finance/bill-exceptions", _FINANCE_READERS),
    # finance: exchange rates (accountants set them; purchasing and sales keep replicas from the events)
    _read("/api/v1/finance/exchange-rates", _FINANCE_READERS),
    _action("/api/v1/finance/exchange-rates", _BOOKKEEPERS),
    _action("/api/v1/finance/exchange-rates/bulk", _BOOKKEEPERS),
    _read("/api/v1/finance/exchange-rates/effective", _FINANCE_READERS),
    # finance: customer payments (received and allocated by accountants)
    _create("/api/v1/finance/customer-payments", _BOOKKEEPERS),
    _read("/api/v1/finance/customer-payments/<int:payment_id>", _FINANCE_READERS),
    # finance: statements (P&L, balance sheet, AR and AP aging, customer and supplier statements; kept at close)
    _read("/api/v1/finance/statements/profit-and-loss", _FINANCE_READERS),
    _read("/api/v1/finance/statements/balance-sheet", _FINANCE_READERS),
    _read("/api/v1/finance/statements/ar-aging", _FINANCE_READERS),
    _read("/api/v1/finance/statements/customers/<customer_id>", _FINANCE_READERS),
    _read("/api/v1/finance/statements/ap-aging", _FINANCE_READERS),
    _read("/api/v1/finance/statements/suppliers/<supplier_id>", _FINANCE_READERS),
    _read("/api/v1/finance/statements/kept", _FINANCE_READERS),
    _read("/api/v1/finance/statements/kept/<int:statement_id>", _FINANCE_READERS),
)

_PLACEHOLDER = re.compile(r"<(?:[a-zA-Z_]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def canonical(path_template: str) -> str:
    """``/x/<int:id>`` → ``/x/{id}``: the converter is a matching detail, the name is the identity."""
    return _PLACEHOLDER.sub(r"{\1}", path_template)


_BY_KEY: dict[tuple[str, str], Permission] = {(p.method, canonical(p.path)): p for p in PERMISSIONS}
if len(_BY_KEY) != len(PERMISSIONS):  # pragma: no cover - a broken table must not import
    raise ValueError("the permission table lists a route twice")


def lookup(method: str, path_template: str) -> Permission | None:
    """The entry for a route template (as the gateway or a service names it), or None if not listed."""
    return _BY_KEY.get((method.upper(), canonical(path_template)))


def is_allowed(permission: Permission, roles: frozenset[str] | set[str]) -> bool:
    return permission.public or bool(permission.roles & set(roles))


def render_markdown() -> str:
    """docs/permissions.md: the table as people read it (``make docs`` writes it, a test keeps it current)."""
    lines = [
        "# Permissions",
        "",
        "Generated from `contracts/src/psi_contracts/permissions.py` by `make docs`; do not edit by hand.",
        "The gateway forwards only these routes and checks the caller's roles before forwarding; each",
        "service checks the same table again against the verified token. `public` routes need no token.",
        "",
        "| method | route | service | " + " | ".join(ROLES) + " |",
        "|---|---|---|" + "---|" * len(ROLES),
    ]
    for p in PERMISSIONS:
        cells = ["public" if p.public else ("yes" if role in p.roles else "") for role in ROLES]
        service = "gateway" if p.service == "auth" else p.service
        marker = " (Idempotency-Key)" if p.idempotent_create else ""
        lines.append(f"| {p.method} | `{p.path}`{marker} | {service} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
