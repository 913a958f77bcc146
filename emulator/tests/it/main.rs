//! Integration tests of the emulator over real HTTP (one emulator per test).

mod common;

mod assets;
mod auth;
mod binary;
mod entities;
mod faults;
mod generator;
mod http;
mod limits;
mod mutations;
mod overrides;
mod paging;
mod shapes;
