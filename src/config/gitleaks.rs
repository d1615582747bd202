//! Converting a gitleaks or Betterleaks configuration into a leakhound one.
