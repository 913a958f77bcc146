//! Integration tests: the real binary against the real emulator over HTTP. One test binary.

mod acceptance;
mod breakdowns;
mod buying_types;
mod core;
mod engine;
mod official_streams;
mod pixels;
mod reports;
mod support;
