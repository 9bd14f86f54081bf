# Pages of figures: overview, by month, contributors, records, packages, the Kiel comparison, the charts.
