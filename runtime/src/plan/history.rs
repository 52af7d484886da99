//! The planner's input: the history as the set sees it. The rows of the
//! tracking table and the repeatables' records, as data; reading and
//! writing them is `crate::history`'s.

/// What the tracking side holds, as the set sees it: the tracking rows (a
/// squashed history read as its baseline's row), the repeatables' records,
/// and how many rows the tracking table holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct History {
    /// The tracking rows, in version order.
    pub rows: Vec<AppliedRow>,
    /// The repeatables' records, in name order.
    pub repeatables: Vec<RepeatableRow>,
    /// How many rows the tracking table holds.
    pub raw: usize,
}

impl History {
    /// The digest of what is recorded
    /// ([`sqlstrata_model::repeatables_digest`]): what each run seals, and
    /// what a boot compares with the set's.
    pub(crate) fn digest(&self) -> String {
        sqlstrata_model::to_hex(&sqlstrata_model::repeatables_digest(
            self.rows
                .iter()
                .map(|r| (r.version, r.checksum.as_str(), r.state.as_str())),
            self.repeatables
                .iter()
                .map(|r| (r.name.as_str(), r.checksum.as_str())),
        ))
    }
}

/// What a row says about its migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Applied (or recorded by `baseline`).
    Applied,
    /// A `no-transaction` UP started; the row is written before its first
    /// statement, so a run that dies leaves this behind.
    Applying,
    /// A `no-transaction` DOWN started, likewise.
    Reverting,
    /// A `no-transaction` UP failed part-way, at `failed_line`.
    Failed,
    /// A `no-transaction` DOWN failed part-way, at `failed_line`.
    FailedDown,
}

impl RowState {
    /// The text stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Applying => "applying",
            RowState::Reverting => "reverting",
            RowState::Failed => "failed",
            RowState::FailedDown => "failed_down",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<RowState> {
        Some(match text {
            "applied" => RowState::Applied,
            "applying" => RowState::Applying,
            "reverting" => RowState::Reverting,
            "failed" => RowState::Failed,
            "failed_down" => RowState::FailedDown,
            _ => return None,
        })
    }

    /// Whether the migration is fully applied.
    pub fn is_applied(self) -> bool {
        self == RowState::Applied
    }

    /// Whether a DOWN was under way (so the migration was applied before).
    pub fn was_reverting(self) -> bool {
        matches!(self, RowState::Reverting | RowState::FailedDown)
    }
}

/// One row of the tracking table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    /// The version.
    pub version: i64,
    /// The name when applied.
    pub name: String,
    /// The description when applied.
    pub description: Option<String>,
    /// The checksum when applied, hex.
    pub checksum: String,
    /// The batch it was applied in.
    pub batch: i32,
    /// When it was applied, as PostgreSQL prints a timestamptz.
    pub applied_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// Applied, or a `no-transaction` run that did not finish.
    pub state: RowState,
    /// For a failed `no-transaction` migration: the line of the statement
    /// that failed (`None` when the run was interrupted).
    pub failed_line: Option<i32>,
}

/// One row of the repeatables' table: what a repeatable was last applied
/// with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatableRow {
    /// The repeatable's name (`views` for `R__views.sql`).
    pub name: String,
    /// The checksum it was last applied with, hex.
    pub checksum: String,
    /// The batch it was last applied in.
    pub batch: i32,
    /// When, as PostgreSQL prints a timestamptz.
    pub applied_at: String,
}
