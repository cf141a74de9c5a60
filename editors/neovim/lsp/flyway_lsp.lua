-- flyway-lsp for Neovim 0.11+, in nvim-lspconfig's `lsp/` format.
--
-- Put this file on your runtimepath as `lsp/flyway_lsp.lua` (or copy its table into
-- `vim.lsp.config('flyway_lsp', {...})`), then: vim.lsp.enable('flyway_lsp')
--
-- Settings use the shape of flyway.toml and override the project's config files, e.g.
--   init_options = { ['flyway-lsp'] = { dialect = 'mysql', rules = { ['version-gap'] = 'error' } } }

---@type vim.lsp.Config
return {
  cmd = { 'flyway-lsp', 'serve' },
  filetypes = { 'sql' },
  root_markers = { 'flyway.toml', 'flyway.conf', 'flyway-lsp.toml', '.git' },
  init_options = {},
  on_attach = function(client, bufnr)
    require('flyway_lsp_commands').attach(client, bufnr)
  end,
}
