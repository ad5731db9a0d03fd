"""The replicas of inventory's item master and warehouses (tables ``items`` and ``warehouses``).

Every snapshot carries a ``version`` one higher per change; the upsert keeps the newest in its ``WHERE``, so two
deliveries racing each other cannot regress a row (``psi_chassis.replica_store``). What the replicas allow is
psi_chassis/replica.py.
"""

from __future__ import annotations

from psi_chassis.replica_store import MasterDataReplica
from psi_purchasing.adapters.tables import items, warehouses

REPLICA = MasterDataReplica(items, warehouses)
upsert_item = REPLICA.upsert_item
upsert_warehouse = REPLICA.upsert_warehouse
item_status = REPLICA.item_status
warehouse_status = REPLICA.warehouse_status
