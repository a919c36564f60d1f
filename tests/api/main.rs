//! One integration-test binary: each module drives a real server over HTTP.

mod apply_basics;
mod apply_faults;
mod daemon_certifications;
mod daemon_crash;
mod daemon_database;
mod daemon_failures;
mod daemon_flow;
mod daemon_hardening;
mod daemon_holds;
mod daemon_plans;
mod daemon_replicas;
mod daemon_sources;
mod daemon_sqlite;
mod daemon_startup;
mod demo;
mod helpers;
mod pg_cluster;
mod serve_process;
mod sim_auth;
mod sim_definitions;
mod sim_determinism;
mod sim_faults;
mod sim_languages;
mod sim_misc;
mod sim_skills;
mod sim_users;
