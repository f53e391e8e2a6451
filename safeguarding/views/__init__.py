"""The safeguarding lead's pages, one module per area: the queue and decisions (`queue`), the risk
assessment (`risk`), concerns and incidents (`concerns`), CPOMS (`cpoms`). Views stay thin:
`visits.access` decides who, the services (`safeguarding.risk`, `safeguarding.concerns`,
`visits.lifecycle`) make every change."""
