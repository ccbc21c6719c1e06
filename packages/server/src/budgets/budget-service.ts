import type { BudgetRecord, EventStore } from '@tally/storage';
import { newId } from '../alerts/field-checks.js';
import { TallyError } from '../errors.js';
import type { ProjectService } from '../projects/project-service.js';
import { readBudgetPatch, readNewBudget } from './budget-input.js';

/** What changed: the budget as it is now, or null when it was deleted. */
export type BudgetChange = (id: string, budget: BudgetRecord | null, before: BudgetRecord | null) => void;

/**
 * Budgets, for the HTTP routes and the CLI alike. All of them are held in memory, because the gate looks up the
 * budgets of every proxied request; every change goes through here and is told to the listeners (the tracker).
 */
export class BudgetService {
  private budgets = new Map<string, BudgetRecord>();
  private readonly listeners: BudgetChange[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly projects: ProjectService,
  ) {}

  async init(): Promise<void> {
    for (const b of await this.store.listBudgets()) this.budgets.set(b.id, b);
  }

  /**
   * Reads the budgets again from the store, telling the listeners what changed: with several replicas (Redis), a
   * budget created, changed or deleted through another replica reaches this one here.
   */
  async reload(): Promise<void> {
    const now = new Map((await this.store.listBudgets()).map((b) => [b.id, b]));
    for (const [id, before] of [...this.budgets]) {
      if (now.has(id)) continue;
      this.budgets.delete(id);
      this.tell(id, null, before);
    }
    for (const [id, after] of now) {
      const before = this.budgets.get(id) ?? null;
      if (before && before.updated_at === after.updated_at) continue;
      this.budgets.set(id, after);
      this.tell(id, after, before);
    }
  }

  onChange(listener: BudgetChange): void {
    this.listeners.push(listener);
  }

  /** How many budgets exist, in every project. */
  get size(): number {
    return this.budgets.size;
  }

  /** Forgets the budgets of projects that were deleted (the store deleted them with the project). */
  dropDeleted(): void {
    const live = new Set(this.projects.list().map((p) => p.id));
    for (const b of [...this.budgets.values()]) {
      if (live.has(b.project_id)) continue;
      this.budgets.delete(b.id);
      this.tell(b.id, null, b);
    }
  }

  /** The budgets of a project, oldest first. */
  list(projectId: string): BudgetRecord[] {
    return [...this.budgets.values()].filter((b) => b.project_id === projectId);
  }

  all(): BudgetRecord[] {
    return [...this.budgets.values()];
  }

  require(projectId: string, id: string): BudgetRecord {
    const b = this.budgets.get(id);
    if (!b || b.project_id !== projectId)
      throw new TallyError(
        'not_found',
        `budget ${id} does not exist in project ${projectId}; list them with GET /api/v1/budgets`,
      );
    return b;
  }

  async create(projectId: string, input: unknown): Promise<BudgetRecord> {
    this.projects.require(projectId);
    const settings = readNewBudget(input);
    const now = Date.now();
    const budget: BudgetRecord = {
      id: newId('bud'),
      project_id: projectId,
      ...settings,
      created_at: now,
      updated_at: now,
    };
    await this.store.createBudget(budget);
    this.budgets.set(budget.id, budget);
    this.tell(budget.id, budget, null);
    return budget;
  }

  async update(projectId: string, id: string, input: unknown): Promise<BudgetRecord> {
    const before = this.require(projectId, id);
    const patch = readBudgetPatch(input, before);
    const after = await this.store.updateBudget(projectId, id, { ...patch, updated_at: Date.now() });
    if (!after) throw new TallyError('not_found', `budget ${id} does not exist in project ${projectId}`);
    this.budgets.set(id, after);
    this.tell(id, after, before);
    return after;
  }

  async delete(projectId: string, id: string): Promise<void> {
    const before = this.require(projectId, id);
    await this.store.deleteBudget(projectId, id);
    this.budgets.delete(id);
    this.tell(id, null, before);
  }

  private tell(id: string, budget: BudgetRecord | null, before: BudgetRecord | null): void {
    for (const l of this.listeners) l(id, budget, before);
  }
}
