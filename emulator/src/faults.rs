//! Fault injection: which failure (if any) request number `n` meets, drawn from the fault seed and
//! `n`, so a request sequence replays with the same faults.

use crate::config::{Faults, Latency};
use crate::rng::{hash, unit};

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    ApiError { code: i64, message: String },
    RateLimit,
    Http5xx(u16),
    Reset,
    Truncated,
    Slow(u64),
}

impl Fault {
    pub fn name(&self) -> &'static str {
        match self {
            Fault::ApiError { .. } => "api_error",
            Fault::RateLimit => "rate_limit",
            Fault::Http5xx(_) => "http_5xx",
            Fault::Reset => "reset",
            Fault::Truncated => "truncated",
            Fault::Slow(_) => "slow",
        }
    }
}

pub const DEFAULT_CODES: &[i64] = &[50000, 50002, 40200, 40700];

pub fn message_for(code: i64) -> &'static str {
    match code {
        50000 => "System error.",
        50002 => "Error processing the request. Please try again later.",
        40200 => "Task error, please try again later.",
        40201 => "Task is not ready, please try again later.",
        40202 => "Write or update entity conflict, please try again later.",
        40700 => "Internal service validation error.",
        40016 => "Requests made too frequently.",
        _ => "Internal error, please try again later.",
    }
}

pub struct FaultState {
    pub faults: Faults,
    pub injected: u64,
}

impl FaultState {
    pub fn new(faults: Faults) -> FaultState {
        FaultState {
            faults,
            injected: 0,
        }
    }

    /// The fault for request `n` to `endpoint` (e.g. "campaign/get/"). Rates are cumulative slices
    /// of one uniform draw, so they are independent of which endpoints were called before.
    pub fn decide(&mut self, n: u64, endpoint: &str) -> Option<Fault> {
        let f = &self.faults;
        if !f.is_active() || f.max_faults.is_some_and(|m| self.injected >= m) {
            return None;
        }
        if !f.only_paths.is_empty()
            && !f
                .only_paths
                .iter()
                .any(|p| p.trim_start_matches('/') == endpoint)
        {
            return None;
        }
        let u = unit(hash(&[f.seed, n, 0xFA]));
        let pick = hash(&[f.seed, n, 0xFB]);
        let slices: [(f64, Fault); 6] = [
            (f.reset_rate, Fault::Reset),
            (
                f.http_5xx_rate,
                Fault::Http5xx([500, 502, 503][(pick % 3) as usize]),
            ),
            (f.truncated_rate, Fault::Truncated),
            (f.api_error_rate, {
                let codes = if f.api_error_codes.is_empty() {
                    DEFAULT_CODES
                } else {
                    &f.api_error_codes[..]
                };
                let code = codes[(pick % codes.len() as u64) as usize];
                Fault::ApiError {
                    code,
                    message: message_for(code).to_string(),
                }
            }),
            (f.rate_limit_rate, Fault::RateLimit),
            (f.slow_rate, Fault::Slow(f.slow_ms)),
        ];
        let mut edge = 0.0;
        for (rate, fault) in slices {
            edge += rate.clamp(0.0, 1.0);
            if u < edge {
                self.injected += 1;
                return Some(fault);
            }
        }
        None
    }
}

/// Extra latency for request `n`, uniform in `min_ms..=max_ms`.
pub fn latency_ms(latency: &Latency, seed: u64, n: u64) -> u64 {
    if latency.max_ms == 0 && latency.min_ms == 0 {
        return 0;
    }
    let (lo, hi) = (
        latency.min_ms.min(latency.max_ms),
        latency.min_ms.max(latency.max_ms),
    );
    lo + hash(&[seed, n, 0x1A7]) % (hi - lo + 1)
}

/// The HTML a gateway sends with a 5xx.
pub fn gateway_html(status: u16) -> String {
    let reason = match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        _ => "Error",
    };
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}
