//! What a use case can refuse, and why, so that each face answers alike: the CLI with exit status 2 and the
//! message, HTTP with the status the kind means.

/// A use case's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be used: an unreadable or invalid dataset, a missing or empty store, a bad argument
    /// (HTTP 400; the CLI exits 2). The message names the file, feature or parameter and what is wrong.
    #[error("{0}")]
    BadInput(String),
    /// A geometry or dataset refused by an import, with every reason and location (HTTP 422).
    #[error("{0}")]
    Invalid(String),
    /// Something named does not exist (an account, a token; HTTP 404).
    #[error("{0}")]
    NotFound(String),
    /// Outside the caller's scope (HTTP 403).
    #[error("{0}")]
    OutOfScope(String),
    /// Wrong username or password, or a disabled account: the same answer for each (HTTP 401).
    #[error("用户名或密码错误 (wrong username or password)")]
    WrongCredentials,
    /// Too many failed sign-ins in a row for this username from this address: retry after the seconds given
    /// (HTTP 429 with `Retry-After`).
    #[error("登录失败次数过多，请 {0} 秒后再试 (too many failed sign-ins from this address; retry in {0} s)")]
    Throttled(u64),
    /// An account locked by an earlier version after repeated failures (HTTP 423); sign-ins are throttled now.
    #[error("登录失败次数过多，账户已暂时锁定，请稍后再试 (account locked after repeated failures)")]
    Locked,
    /// The current password given for a change is wrong (HTTP 403).
    #[error("旧密码错误 (wrong current password)")]
    WrongPassword,
    /// A new password that may not be used (HTTP 422).
    #[error("{0}")]
    WeakPassword(String),
    /// The store could not be opened (a bad path or URL, an unreachable database, a failed migration).
    #[error("opening the store: {0}")]
    OpenStore(crate::store::Error),
    /// The store failed or refused (its own kinds: not found, exists, stale, ...).
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// The atlas could not be built.
    #[error(transparent)]
    Atlas(#[from] crate::atlas::Error),
    /// A service the server relies on answered badly or not at all (the 天地图 tile server; HTTP 502).
    #[error("{0}")]
    Upstream(String),
    /// A blocking task (atlas build, password hashing) panicked or was cancelled, or a hash failed.
    #[error("{0}")]
    Internal(String),
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("background task: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, Error>;
