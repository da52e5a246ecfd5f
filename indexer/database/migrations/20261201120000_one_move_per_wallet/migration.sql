-- One pending move to self-custody per wallet (issue 11): two email members can never be moving
-- into the same wallet, whatever the race between their requests (NULLs stay distinct).

-- CreateIndex
CREATE UNIQUE INDEX "users_move_target_key" ON "users"("move_target");
