"""Sales' replicas of inventory's item master and warehouses (what they allow: psi_chassis.replica)."""

from __future__ import annotations

from psi_chassis.replica_store import MasterDataReplica
from psi_sales.adapters.tables import items, warehouses

REPLICA = MasterDataReplica(items, warehouses)
upsert_item = REPLICA.upsert_item
upsert_warehouse = REPLICA.upsert_warehouse
item_status = REPLICA.item_status
warehouse_status = REPLICA.warehouse_status
