//! The library handle: starts a server on its own thread and runtime, and controls it.

use std::fs::File;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tokio::sync::oneshot;

use crate::config::{EmulatorConfig, Faults, Level};
use crate::log::LoggedRequest;
use crate::model::{ApiError, World};
use crate::net::{KillSwitch, KillableListener};
use crate::overrides::Override;
use crate::pixels::counters::PixelDayStats;
use crate::report::ReportRow;
use crate::server;
use crate::state::Shared;
use crate::sync::lock;

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts on 127.0.0.1 with a random port. Blocks only until the socket is bound.
    pub fn start(config: EmulatorConfig) -> Emulator {
        match Emulator::bind(config, "127.0.0.1:0") {
            Ok(e) => e,
            // Binding an ephemeral loopback port only fails when the machine is out of resources.
            Err(e) => panic!("tiktok-emulator: cannot bind 127.0.0.1:0: {e}"),
        }
    }

    /// Starts on `addr` (e.g. "127.0.0.1:8080").
    pub fn bind(config: EmulatorConfig, addr: &str) -> io::Result<Emulator> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(&config));
        let _ = shared.extended.base_url.set(format!("http://{addr}"));
        let (tx, rx) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tiktok-emulator")
            .enable_all()
            .build()?;
        let app = server::router(shared.clone());
        let thread = std::thread::Builder::new()
            .name("tiktok-emulator".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let serve = axum::serve(
                        KillableListener::new(listener),
                        app.into_make_service_with_connect_info::<KillSwitch>(),
                    );
                    tokio::select! {
                        _ = serve => {}
                        _ = rx => {}
                    }
                });
                // Open keep-alive connections and slow handlers must not delay a test's teardown.
                runtime.shutdown_background();
            })?;
        Ok(Emulator {
            shared,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// "http://127.0.0.1:PORT"; endpoints live under /open_api/v1.3/.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.all()
    }

    pub fn clear_requests(&self) {
        self.shared.log.clear()
    }

    /// Also write every logged request to `file` as a JSON line.
    pub fn log_requests_to(&self, file: File) {
        self.shared.log.set_sink(file)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    pub fn set_now(&self, t: DateTime<Utc>) {
        self.shared.set_now(t)
    }

    pub fn advance(&self, d: Duration) {
        self.shared.advance(d)
    }

    /// A snapshot of the data.
    pub fn world(&self) -> World {
        self.shared.world()
    }

    /// Any change to the data, under the lock; `now` is the emulator clock (whole seconds).
    pub fn mutate<R>(&self, f: impl FnOnce(&mut World, DateTime<Utc>) -> R) -> R {
        self.shared.mutate(f)
    }

    /// Bumps `modify_time` to now (and changes the name) of `n` live entities; returns their ids.
    pub fn modify_entities(&self, advertiser_id: &str, level: Level, n: usize) -> Vec<String> {
        self.shared.modify_entities(advertiser_id, level, n)
    }

    /// `n` new entities created now (ad groups and ads under existing live parents).
    pub fn add_entities(&self, advertiser_id: &str, level: Level, n: usize) -> Vec<String> {
        self.shared.add_entities(advertiser_id, level, n)
    }

    /// Deletes `n` live entities now (`modify_time` = now).
    pub fn delete_entities(&self, advertiser_id: &str, level: Level, n: usize) -> Vec<String> {
        self.shared.delete_entities(advertiser_id, level, n)
    }

    /// A new advertiser with its own campaigns, ad groups, ads and assets, reachable by the
    /// pre-issued token.
    pub fn add_advertiser(&self, name: &str, timezone: &str) -> String {
        self.shared.add_advertiser(name, timezone)
    }

    /// A single-use auth code for the configured app, valid for one hour of emulator time.
    pub fn new_auth_code(&self) -> String {
        self.shared.new_auth_code()
    }

    /// A token that reaches only `advertiser_ids`.
    pub fn issue_token(&self, advertiser_ids: &[&str]) -> String {
        self.shared.issue_token(advertiser_ids)
    }

    pub fn revoke_token(&self, token: &str) {
        self.shared.revoke_token(token)
    }

    /// Replaces the fault settings and restarts the `max_faults` count.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults)
    }

    /// The generator's counters of a pixel per UTC day and tracked event over `start..=end`, as
    /// they stand at the current clock (empty for an unknown pixel). `pixel/event/stats/` sums
    /// the same counters over its date range.
    pub fn pixel_stats_truth(
        &self,
        pixel_id: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Vec<PixelDayStats> {
        self.shared.pixel_stats_truth(pixel_id, start, end)
    }

    /// Makes requests to `o.path` that match `o.when` get `o`'s answer instead of the
    /// endpoint's (see `overrides`); an invalid override is refused with the reason.
    pub fn add_override(&self, o: Override) -> Result<(), String> {
        lock(&self.shared.overrides).add(o).map(|_| ())
    }

    /// Removes every override.
    pub fn clear_overrides(&self) {
        lock(&self.shared.overrides).clear()
    }

    /// Every report row the request selects at the current clock, ignoring paging.
    pub fn report_truth(&self, params: &[(&str, &str)]) -> Result<Vec<ReportRow>, ApiError> {
        self.shared.report_truth(params)
    }

    /// Every row a `gmv_max/report/get/` request selects at the current clock, ignoring paging.
    pub fn gmv_max_report_truth(
        &self,
        params: &[(&str, &str)],
    ) -> Result<Vec<ReportRow>, ApiError> {
        let params = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        crate::extended_control::gmv_max_truth(&self.shared, &params)
    }

    /// Modifies, adds or deletes `n` Smart+ campaigns, ad groups or ads of the advertiser now;
    /// returns their ids (`smart_plus_ad_id` for ads).
    pub fn mutate_smart_plus(
        &self,
        change: crate::extended_control::Change,
        advertiser_id: &str,
        level: Level,
        n: usize,
    ) -> Vec<String> {
        crate::extended_control::mutate_smart_plus(&self.shared, change, advertiser_id, level, n)
    }

    /// A token reaching `advertiser_ids` (all when empty) whose user has `finance_role`
    /// (`MANAGER`, `ANALYST` or `None`) in its Business Centers.
    pub fn issue_bc_token(
        &self,
        advertiser_ids: &[&str],
        finance_role: Option<&str>,
    ) -> Result<String, String> {
        crate::extended_control::issue_bc_token(&self.shared, advertiser_ids, finance_role)
    }

    /// Blocks until the server stops (for the binary).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handle_can_be_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<super::Emulator>();
    }
}
