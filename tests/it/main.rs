//! Integration tests: the real binary against the real emulator over HTTP. One test binary.

mod acceptance;
mod catalog;
mod core;
mod reports;
mod support;
