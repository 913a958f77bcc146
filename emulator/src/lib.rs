//! TikTok API for Business v1.3 emulator: a local HTTP server that behaves like TikTok's
//! Marketing API (envelopes, paging, auth, limits, faults), backed by seeded generated data.
//!
//! ```no_run
//! use tiktok_emulator::{Emulator, EmulatorConfig};
//! let emu = Emulator::start(EmulatorConfig::default());
//! let url = format!("{}/open_api/v1.3/campaign/get/", emu.base_url());
//! # let _ = url;
//! ```

#![recursion_limit = "256"]

pub mod model;
pub mod report;
pub mod report_tasks;
pub mod smart_plus;

pub mod assets;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod business_center;
pub mod buying;
pub mod client;
pub mod clock;
pub mod config;
pub mod control;
pub mod emulator;
pub mod entities;
pub mod extended_api;
pub mod extended_control;
pub mod extended_world;
pub mod faults;
pub mod generate;
pub mod gmv_max;
pub mod inventory;
pub mod limits;
pub mod log;
pub mod mutate;
pub mod net;
pub mod overrides;
pub mod params;
pub mod pixels;
pub mod reservations;
pub mod rng;
pub mod server;
pub mod state;
pub mod sync;

pub use crate::config::{ClockMode, EmulatorConfig, ExtendedConfig, Faults, Latency, Level};
pub use crate::emulator::Emulator;
pub use crate::log::LoggedRequest;
pub use crate::model::*;
pub use crate::overrides::Override;
pub use crate::report::{ReportRow, ReportSettings};
