-- Layers: raw (as received) -> core (clean, conformed) -> mart (summaries) ; ops (runs).
create schema if not exists raw;
create schema if not exists core;
create schema if not exists mart;
create schema if not exists ops;
