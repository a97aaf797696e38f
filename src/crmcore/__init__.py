"""crmcore: a self-hostable CRM data platform, wire-compatible with SOLAPI CRM Core."""

__version__ = "0.1.0"
