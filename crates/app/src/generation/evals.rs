//! The evaluation of generated documents: the checks `hellosales eval` runs on each script and
//! email it generates for the fixture pairs of `evals/fixtures.json`, and the report (pass
//! rate per check).
//!
//! Checks, per document:
//! * `structure`: the generation succeeded (the answer was read as the document's JSON, after
//!   at most one repair) and every required part is there (scripts: content, talking points,
//!   discovery questions; emails: subject, body);
//! * `mentions_client_company` / `mentions_product`: the client's company and the product's
//!   name appear in the text;
//! * `no_unfilled_template`: no template syntax beyond the declared placeholders (an email's
//!   `personalization_fields`; a script's `{{name}}` placeholders);
//! * `length`: the main text's word count is within the requested length's bounds.

use super::prompts::Length;
use super::structured::{placeholders, unfilled_template_syntax};
use hellosales_domain::content::{SalesEmail, SalesScript};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The names of the checks, in report order.
pub const CHECKS: [&str; 5] = [
    "structure",
    "mentions_client_company",
    "mentions_product",
    "no_unfilled_template",
    "length",
];

/// The outcome of one check on one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The check (one of [`CHECKS`]).
    pub check: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed, when it did.
    pub detail: Option<String>,
}

impl CheckResult {
    fn new(check: &'static str, failure: Option<String>) -> Self {
        Self {
            check,
            passed: failure.is_none(),
            detail: failure,
        }
    }
}

/// What the text must name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    /// The client's company.
    pub client_company: Option<String>,
    /// The product's name.
    pub product: Option<String>,
    /// The length asked for.
    pub length: Length,
}

fn words(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

fn mentions(check: &'static str, text: &str, name: Option<&str>) -> CheckResult {
    let failure = name.and_then(|name| {
        (!text.to_lowercase().contains(&name.to_lowercase()))
            .then(|| format!("{name:?} does not appear"))
    });
    CheckResult::new(check, failure)
}

fn length(text: &str, (min, max): (u32, u32)) -> CheckResult {
    let count = words(text);
    let failure =
        (!(min..=max).contains(&count)).then(|| format!("{count} words, asked for {min}–{max}"));
    CheckResult::new("length", failure)
}

fn template(text: &str, allowed: &[String]) -> CheckResult {
    let leftovers = unfilled_template_syntax(text, allowed);
    let failure = (!leftovers.is_empty()).then(|| format!("leftover {}", leftovers.join(", ")));
    CheckResult::new("no_unfilled_template", failure)
}

/// The checks of a generated script.
#[must_use]
pub fn check_script(script: &SalesScript, expected: &Expected) -> Vec<CheckResult> {
    let fields = &script.fields;
    let mut missing = Vec::new();
    if fields.content.trim().is_empty() {
        missing.push("content");
    }
    if fields.key_talking_points.is_empty() {
        missing.push("key_talking_points");
    }
    if fields.discovery_questions.is_empty() {
        missing.push("discovery_questions");
    }
    let structure = (!missing.is_empty()).then(|| format!("empty: {}", missing.join(", ")));
    let mut text = fields.content.clone();
    for part in fields
        .key_talking_points
        .iter()
        .chain(&fields.discovery_questions)
        .chain(&fields.closing_techniques)
        .chain(fields.objection_handlers.values())
    {
        text.push('\n');
        text.push_str(part);
    }
    let declared = placeholders(&text);
    vec![
        CheckResult::new("structure", structure),
        mentions(
            "mentions_client_company",
            &text,
            expected.client_company.as_deref(),
        ),
        mentions("mentions_product", &text, expected.product.as_deref()),
        template(&text, &declared),
        length(&fields.content, expected.length.script_words()),
    ]
}

/// The checks of a generated email.
#[must_use]
pub fn check_email(email: &SalesEmail, expected: &Expected) -> Vec<CheckResult> {
    let fields = &email.fields;
    let mut missing = Vec::new();
    if fields.subject.trim().is_empty() {
        missing.push("subject");
    }
    if fields.body.trim().is_empty() {
        missing.push("body");
    }
    let structure = (!missing.is_empty()).then(|| format!("empty: {}", missing.join(", ")));
    let text = format!("{}\n{}", fields.subject, fields.body);
    vec![
        CheckResult::new("structure", structure),
        mentions(
            "mentions_client_company",
            &text,
            expected.client_company.as_deref(),
        ),
        mentions("mentions_product", &text, expected.product.as_deref()),
        template(&text, &fields.personalization_fields),
        length(&fields.body, expected.length.email_words()),
    ]
}

/// The checks of a generation that failed: every check fails with its error.
#[must_use]
pub fn failed_generation(error: &str) -> Vec<CheckResult> {
    CHECKS
        .iter()
        .map(|check| CheckResult::new(check, Some(format!("no document: {error}"))))
        .collect()
}

/// The results of one evaluation run.
#[derive(Clone, Debug, Default)]
pub struct EvalReport {
    rows: Vec<(String, &'static str, Vec<CheckResult>)>,
}

impl EvalReport {
    /// Adds the results of one document (`case` is the fixture's name, `kind` `script` or
    /// `email`).
    pub fn add(&mut self, case: impl Into<String>, kind: &'static str, results: Vec<CheckResult>) {
        self.rows.push((case.into(), kind, results));
    }

    /// Passed and total per check, over every document.
    #[must_use]
    pub fn pass_rates(&self) -> BTreeMap<&'static str, (usize, usize)> {
        let mut rates: BTreeMap<&'static str, (usize, usize)> =
            CHECKS.iter().map(|check| (*check, (0, 0))).collect();
        for (_, _, results) in &self.rows {
            for result in results {
                let entry = rates.entry(result.check).or_default();
                entry.1 += 1;
                if result.passed {
                    entry.0 += 1;
                }
            }
        }
        rates
    }

    /// The report as Markdown: the pass rate per check, then every failure.
    #[must_use]
    pub fn to_markdown(&self, title: &str) -> String {
        let mut out = format!("## {title}\n\n| check | passed | rate |\n| --- | --- | --- |\n");
        let rates = self.pass_rates();
        for check in CHECKS {
            let (passed, total) = rates.get(check).copied().unwrap_or_default();
            let rate = if total == 0 {
                0.0
            } else {
                passed as f64 * 100.0 / total as f64
            };
            let _ = writeln!(out, "| {check} | {passed}/{total} | {rate:.0} % |");
        }
        let failures: Vec<String> = self
            .rows
            .iter()
            .flat_map(|(case, kind, results)| {
                results.iter().filter(|r| !r.passed).map(move |r| {
                    format!(
                        "- {case} ({kind}): {}: {}",
                        r.check,
                        r.detail.as_deref().unwrap_or("failed")
                    )
                })
            })
            .collect();
        if !failures.is_empty() {
            out.push_str("\nFailures:\n\n");
            for failure in failures {
                out.push_str(&failure);
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use hellosales_domain::content::{EmailFields, Generation, ScriptFields};
    use hellosales_domain::{EmailId, OrgId, ScriptId};

    fn script(content: &str) -> SalesScript {
        SalesScript {
            id: ScriptId::new(),
            org_id: OrgId::new(),
            fields: ScriptFields {
                name: "s".into(),
                content: content.into(),
                key_talking_points: vec!["LedgerFlow closes books faster".into()],
                discovery_questions: vec!["How long is your close?".into()],
                ..ScriptFields::default()
            },
            generation: Generation::default(),
            version: 1,
            parent_script_id: None,
            is_active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn email(body: &str, fields: &[&str]) -> SalesEmail {
        SalesEmail {
            id: EmailId::new(),
            org_id: OrgId::new(),
            fields: EmailFields {
                name: "e".into(),
                subject: "Globeware and LedgerFlow".into(),
                body: body.into(),
                personalization_fields: fields.iter().map(|f| (*f).to_owned()).collect(),
                ..EmailFields::default()
            },
            generation: Generation::default(),
            version: 1,
            parent_email_id: None,
            is_active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn expected(length: Length) -> Expected {
        Expected {
            client_company: Some("Globeware".into()),
            product: Some("LedgerFlow".into()),
            length,
        }
    }

    fn failed(results: &[CheckResult]) -> Vec<&'static str> {
        results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| r.check)
            .collect()
    }

    #[test]
    fn a_good_script_passes_every_check() {
        let content = format!(
            "Hi {{{{first_name}}}}, at Globeware {}",
            "word ".repeat(150)
        );
        let results = check_script(&script(&content), &expected(Length::Short));
        assert!(failed(&results).is_empty(), "{results:?}");
    }

    #[test]
    fn failures_name_the_check() {
        let results = check_script(
            &script("[Company Name] is great."),
            &expected(Length::Short),
        );
        assert_eq!(
            failed(&results),
            ["mentions_client_company", "no_unfilled_template", "length"]
        );
        let body = format!("Hi {{{{first_name}}}}, {}", "word ".repeat(80));
        let undeclared = check_email(&email(&body, &[]), &expected(Length::Short));
        assert_eq!(failed(&undeclared), ["no_unfilled_template"]);
        let declared = check_email(&email(&body, &["first_name"]), &expected(Length::Short));
        assert!(failed(&declared).is_empty(), "{declared:?}");
    }

    #[test]
    fn the_report_counts_pass_rates() {
        let mut report = EvalReport::default();
        report.add(
            "pair 1",
            "script",
            check_script(&script("x"), &expected(Length::Short)),
        );
        report.add("pair 1", "email", failed_generation("PROVIDER_TIMEOUT"));
        let rates = report.pass_rates();
        assert_eq!(rates["structure"], (1, 2));
        assert_eq!(rates["length"], (0, 2));
        let markdown = report.to_markdown("Evaluation");
        assert!(
            markdown.contains("| structure | 1/2 | 50 % |"),
            "{markdown}"
        );
        assert!(markdown.contains("pair 1 (email): structure: no document: PROVIDER_TIMEOUT"));
    }
}
