"""Recording during a replication, and the KPIs computed from the records afterwards."""
