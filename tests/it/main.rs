//! Integration tests: the real binary against the real emulator over HTTP. One test binary.

mod acceptance;
mod breakdowns;
mod business_center;
mod buying_types;
mod catalog;
mod core;
mod engine;
mod gmv_max;
mod hostile;
mod official_streams;
mod pixels;
mod report_tasks;
mod reports;
mod smart_plus;
mod support;
