"""Request-rate quotas: which calls are limited (``rules``), where the calls are counted
(``counters``: this process, the store, or Redis) and the check the pipeline runs after
authentication and before dispatch (``throttle``)."""
