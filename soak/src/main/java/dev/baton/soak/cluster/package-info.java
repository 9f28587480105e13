/** Real servers as child processes (ZooKeeper, redis-server, Sentinel, Cluster) and the faults each can take. */
package dev.baton.soak.cluster;
