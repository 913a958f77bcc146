//! The CSV file of a report task: RFC 4180 quoting, `\r\n` line ends (as TikTok's other CSV
//! exports, e.g. the change log), a header row, then one line per row.
//!
//! `enable_report_title_translation=false`: the header is the field names and the values are the
//! synchronous report's strings, `-` included, so a connector parses both paths alike.
//! `true` (TikTok's default): the header has display titles ("Campaign ID", "Cost",
//! "Impression") and audience values display forms ("13-17", "female", the country name for
//! `country_code`: TikTok's known issue) — UNCERTAIN beyond the reference's sample.

use crate::report::ReportRow;

/// Display titles of TikTok's reports; other fields get their name in title case.
const TITLES: &[(&str, &str)] = &[
    ("advertiser_id", "Account ID"),
    ("campaign_id", "Campaign ID"),
    ("campaign_name", "Campaign Name"),
    ("adgroup_id", "Ad Group ID"),
    ("adgroup_name", "Ad Group Name"),
    ("ad_id", "Ad ID"),
    ("ad_id_v2", "Ad ID"),
    ("ad_name", "Ad Name"),
    ("stat_time_day", "By Day"),
    ("stat_time_hour", "By Hour"),
    ("age", "Age"),
    ("gender", "Gender"),
    ("country_code", "Country/Region"),
    ("platform", "Operating System"),
    ("province_id", "Region"),
    ("spend", "Cost"),
    ("impressions", "Impression"),
    ("clicks", "Click"),
    ("ctr", "CTR (%)"),
    ("cpc", "CPC"),
    ("cpm", "CPM"),
    ("reach", "Reach"),
    ("frequency", "Frequency"),
    ("conversion", "Conversions"),
    ("cost_per_conversion", "Cost per Conversion"),
    ("conversion_rate", "CVR (%)"),
    ("result", "Results"),
    ("cost_per_result", "Cost per Result"),
    ("video_play_actions", "Video Views"),
    ("likes", "Paid Likes"),
    ("comments", "Paid Comments"),
    ("shares", "Paid Shares"),
    ("follows", "Paid Follows"),
    ("currency", "Currency"),
    ("timezone", "Time Zone"),
];

const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("BR", "Brazil"),
    ("ID", "Indonesia"),
    ("JP", "Japan"),
    ("CA", "Canada"),
    ("MX", "Mexico"),
    ("AU", "Australia"),
];

pub fn title(field: &str) -> String {
    if let Some((_, t)) = TITLES.iter().find(|(f, _)| *f == field) {
        return t.to_string();
    }
    field
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The display form of an audience value.
pub fn display_value(field: &str, value: &str) -> String {
    match field {
        "age" => match value.strip_prefix("AGE_") {
            Some("55_100") => "55+".to_string(),
            Some(range) => range.replace('_', "-"),
            None => value.to_string(),
        },
        "gender" => match value {
            "NONE" => "unknown".to_string(),
            other => other.to_lowercase(),
        },
        "platform" => match value {
            "ANDROID" => "Android".to_string(),
            "IOS" => "iOS".to_string(),
            other => other.to_string(),
        },
        "country_code" => COUNTRY_NAMES
            .iter()
            .find(|(c, _)| *c == value)
            .map_or(value, |(_, n)| *n)
            .to_string(),
        _ => value.to_string(),
    }
}

fn field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn cell<'r>(row: &'r ReportRow, column: &str) -> &'r str {
    row.dimensions
        .get(column)
        .or_else(|| row.metrics.get(column))
        .map_or("", String::as_str)
}

/// Writes the file a row at a time.
pub struct Writer {
    columns: Vec<String>,
    translate: bool,
    out: String,
}

impl Writer {
    /// A file with its header row written.
    pub fn new(columns: &[String], translate: bool) -> Writer {
        let mut w = Writer {
            columns: columns.to_vec(),
            translate,
            out: String::new(),
        };
        let header: Vec<String> = columns
            .iter()
            .map(|c| if translate { title(c) } else { c.clone() })
            .collect();
        w.line(&header);
        w
    }

    fn line(&mut self, values: &[String]) {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            field(&mut self.out, v);
        }
        self.out.push_str("\r\n");
    }

    pub fn row(&mut self, row: &ReportRow) {
        let values: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let v = cell(row, c);
                if self.translate {
                    display_value(c, v)
                } else {
                    v.to_string()
                }
            })
            .collect();
        self.line(&values);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Parses a file written by [`Writer`] (or any RFC 4180 text) into records; for tests and for
/// the XLSX writer.
pub fn parse(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut value = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                value.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => value.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut value)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut value));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => value.push(c),
        }
    }
    if !value.is_empty() || !record.is_empty() {
        record.push(value);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn quoting_round_trips_and_titles_translate() {
        let row = ReportRow {
            dimensions: BTreeMap::from([("age".to_string(), "AGE_13_17".to_string())]),
            metrics: BTreeMap::from([(
                "campaign_name".to_string(),
                "Lead Gen \"Q4\", v2".to_string(),
            )]),
        };
        let columns: Vec<String> = vec!["age".into(), "campaign_name".into(), "spend".into()];
        let render = |translate: bool| {
            let mut w = Writer::new(&columns, translate);
            w.row(&row);
            w.finish()
        };
        let raw = render(false);
        assert_eq!(
            raw,
            "age,campaign_name,spend\r\nAGE_13_17,\"Lead Gen \"\"Q4\"\", v2\",\r\n"
        );
        assert_eq!(parse(&raw)[1], vec!["AGE_13_17", "Lead Gen \"Q4\", v2", ""]);
        let shown = render(true);
        assert!(
            shown.starts_with("Age,Campaign Name,Cost\r\n13-17,"),
            "{shown}"
        );
        assert_eq!(title("video_watched_2s"), "Video Watched 2s");
        assert_eq!(display_value("age", "AGE_55_100"), "55+");
        assert_eq!(display_value("gender", "FEMALE"), "female");
    }
}
