"""The SimPy model of a service system: customers, staff, queues and each contact's journey."""
