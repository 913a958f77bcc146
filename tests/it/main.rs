//! Integration tests: the real binary against the real emulator over HTTP. One test binary.

mod acceptance;
mod core;
mod engine;
mod hostile;
mod reports;
mod support;
