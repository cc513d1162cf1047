"""The council stage, pure: Änderungsanträge, their Punkte and votes, and how adopted Punkte
change the text (the Beschluss). Reads nothing itself and runs no tool."""
