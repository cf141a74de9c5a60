"""pytest-lsp (a third-party LSP client, pygls-based) drives `flyway-lsp serve` over stdio."""
