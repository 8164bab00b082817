"""What the service does, one module per aggregate: each use case is a function (command, uow)."""
