/** Real servers as child processes (ZooKeeper, redis-server, Sentinel, Cluster) and the faults each can take. */
@NullMarked
package dev.baton.soak.cluster;

import org.jspecify.annotations.NullMarked;
