-- flyway-lsp for Neovim 0.8 to 0.10 (no vim.lsp.config / vim.lsp.enable yet).
-- Put in your init.lua (with editors/neovim/lua on the runtimepath for the commands):

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'sql',
  callback = function(args)
    local markers = { 'flyway.toml', 'flyway.conf', 'flyway-lsp.toml', '.git' }
    local found = vim.fs.find(markers, { upward = true, path = vim.fs.dirname(args.file) })[1]
    vim.lsp.start({
      name = 'flyway_lsp',
      cmd = { 'flyway-lsp', 'serve' },
      root_dir = found and vim.fs.dirname(found) or vim.fn.getcwd(),
      init_options = {},
      on_attach = function(client, bufnr)
        local ok, commands = pcall(require, 'flyway_lsp_commands')
        if ok then
          commands.attach(client, bufnr)
        end
      end,
    })
  end,
})
