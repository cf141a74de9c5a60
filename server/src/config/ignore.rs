//! Flyway's `ignoreMigrationPatterns`: which validate states a project lets pass.

use super::ConfigError;

/// One `ignoreMigrationPatterns` entry: `type:state` (`*:future`, `versioned:missing`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnorePattern {
    /// `*`, `versioned` or `repeatable`.
    pub migration_type: String,
    /// `*`, `missing`, `pending`, `ignored` or `future`.
    pub state: String,
}

impl IgnorePattern {
    /// Parses one pattern, with Flyway's message for a bad one.
    pub fn parse(text: &str) -> Result<IgnorePattern, ConfigError> {
        let invalid = || {
            ConfigError::new(format!(
                "Invalid pattern '{text}'. Pattern must be of the form <migration_type>:<migration_state> (types: *, versioned, repeatable; states: *, missing, pending, ignored, future)"
            ))
        };
        let (migration_type, state) = text.trim().split_once(':').ok_or_else(invalid)?;
        let migration_type = migration_type.trim().to_ascii_lowercase();
        let state = state.trim().to_ascii_lowercase();
        if !matches!(migration_type.as_str(), "*" | "versioned" | "repeatable")
            || !matches!(
                state.as_str(),
                "*" | "missing" | "pending" | "ignored" | "future"
            )
        {
            return Err(invalid());
        }
        Ok(IgnorePattern {
            migration_type,
            state,
        })
    }

    /// Flyway's `matchesMigration`: the state's display name and the kind of migration.
    pub fn matches(&self, versioned: bool, state_name: &str) -> bool {
        if self.state != "*" && !self.state.eq_ignore_ascii_case(state_name) {
            return false;
        }
        match self.migration_type.as_str() {
            "*" => true,
            "versioned" => versioned,
            _ => !versioned,
        }
    }

    /// True when this pattern lets every migration in `state` pass (any type).
    pub fn covers_state(&self, state: &str) -> bool {
        self.state == "*" || self.state == state
    }
}
