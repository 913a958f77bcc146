//! Integration tests of the emulator over real HTTP (one emulator per test).

mod common;

mod assets;
mod auth;
mod binary;
mod business_center;
mod buying;
mod entities;
mod faults;
mod generator;
mod gmv_max;
mod http;
mod limits;
mod mutations;
mod overrides;
mod paging;
mod pixels;
mod report_tasks;
mod shapes;
mod smart_plus;
