"""Votes of a meeting (issue 17), the pure domain so far: what a ballot may say and
what the ballots decide under each rule and tie rule (`counting`), the receipt a voter
gets and the token the list of who voted keeps, neither linkable to the other without
the client's ballot id (`receipts`), and the ballot board fixed at the close, its hash
chain and its verification (`board`). They know no store, no clock and no rights."""
