/** What one tick of the sweeper may still examine: messages read, whatever became of them. */
export class Budget {
  constructor(private left: number) {}

  get remaining(): number {
    return this.left;
  }

  get isSpent(): boolean {
    return this.left <= 0;
  }

  spend(count = 1): void {
    this.left -= count;
  }
}
