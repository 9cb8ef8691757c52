"""Access control: who may do what, where and when. ``vocabulary`` names roles, phases and
scopes; ``rules`` is the one table (permission -> roles, scope, writes, phases) and the
functions that read it: ``can`` for showing an action, ``authorize`` for refusing it."""
