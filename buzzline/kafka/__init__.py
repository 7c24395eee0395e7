"""A local Apache Kafka for buzzline (``buzzline kafka install|start|stop|status|logs``):
installed from ``KAFKA_HOME``, the official release or Maven Central, run in KRaft mode (no
ZooKeeper) as one background process whose data is kept across restarts, or as a local cluster
of N such processes (``start --brokers 3``).

Modules (imported one by one, so that importing the package costs nothing):

- ``install``: ``install(cache_dir, kafka_home=None, progress=None) -> Installation``,
  ``default_cache_dir()``, ``install_dir(cache_dir)``, ``cached(install_dir)``, ``KAFKA_VERSION``
- ``broker``: ``BrokerConfig``, ``start``, ``start_nodes``, ``stop``, ``is_running``,
  ``pid_of``, ``tail_log``, ``answers``, ``broker_version``, ``free_port``,
  ``write_server_properties``, ``format_storage``
- ``cluster``: ``ClusterConfig`` (ports, cluster id, ``node(id)``), ``start_cluster``,
  ``stop_nodes``, ``node_states``, ``read_cluster`` / ``write_cluster`` (``cluster.json``)
- ``report`` (what ``status`` reads: brokers, partitions' leaders and in-sync replicas,
  groups), ``report_text`` (as text or JSON)
- ``config`` (server.properties), ``storage`` (formatting), ``process`` (pid file, signals,
  ports), ``broker_log`` (tail, failure reason), ``archive`` (download, SHA-512, safe
  extraction), ``jvm`` (Java 17+ check)
- ``security`` (``BrokerSecurity``: SASL listener and JAAS settings), ``scram`` (SCRAM users
  added at format time), ``tls`` (the self-signed certificate of a SASL_SSL broker)
"""
