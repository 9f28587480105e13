package dev.baton.lock.testkit;
