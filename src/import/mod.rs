//! Importers: other scanners' configurations turned into leakhound's. They sit above the rule
//! loader and the engine (an imported configuration is checked by loading it).

pub mod gitleaks;
