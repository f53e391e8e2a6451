"""Views of the visits app, one module per area: `visits` (visit pages and their actions), and
the office's areas as they are added. Views stay thin: access decides, the lifecycle changes."""
