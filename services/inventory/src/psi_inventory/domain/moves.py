"""The kinds of ledger moves (``stock_moves.kind``): every way stock enters or leaves a warehouse.

A move's kind says what caused it; its sign says the direction (receipts, customer returns, transfers in and
found stock are positive; issues, supplier returns, transfers out and losses negative). The unique key on
``(source_event_id, source_line, kind)`` lets one event line produce at most one move of each kind.
"""

from __future__ import annotations

RECEIPT = "receipt"  # goods received from a supplier (purchasing.GoodsReceived.v1)
ISSUE = "issue"  # goods shipped for a sales order (sales.OrderShipped.v1)
SUPPLIER_RETURN = "supplier_return"  # goods handed back to a supplier (purchasing.GoodsReturnRequested.v1)
CUSTOMER_RETURN = "customer_return"  # goods a customer sent back (sales.ReturnReceived.v1)
ADJUSTMENT = "adjustment"  # a manual adjustment, or a stocktake's difference
TRANSFER_OUT = "transfer_out"  # a transfer leaving its source warehouse
TRANSFER_IN = "transfer_in"  # a transfer arriving at its destination

KINDS = (RECEIPT, ISSUE, SUPPLIER_RETURN, CUSTOMER_RETURN, ADJUSTMENT, TRANSFER_OUT, TRANSFER_IN)
