# Pages of work: decisions, my country, the statement, fair share, funding, requirements, rules, messages.
