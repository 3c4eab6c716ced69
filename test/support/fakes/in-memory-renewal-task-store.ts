import { TaskVersionConflictError } from '../../../lambdas/application/risk/risk-errors';
import type {
  RenewalResultRecord,
  RenewalTask,
  RenewalTaskStore,
  StoredAssessment,
  TaskListFilter,
} from '../../../lambdas/application/risk/ports';

// The renewal task store in memory. It passes the same contract suite as
// DynamoDbRenewalTaskStore (test/support/contracts/renewal-task-store-contract.ts):
// create once, updates conditional on the version read, listings by due date.

const clone = <T>(value: T): T => structuredClone(value);
const byDueDate = (a: RenewalTask, b: RenewalTask) => (a.dueDate === b.dueDate ? a.id.localeCompare(b.id) : a.dueDate < b.dueDate ? -1 : 1);

export class InMemoryRenewalTaskStore implements RenewalTaskStore {
  private readonly tasks = new Map<string, RenewalTask>();
  private readonly assessments = new Map<string, StoredAssessment>();
  private readonly results = new Map<string, RenewalResultRecord>();

  async createTask(task: RenewalTask): Promise<{ created: boolean; task: RenewalTask }> {
    const stored = this.tasks.get(task.id);
    if (stored) return { created: false, task: clone(stored) };
    this.tasks.set(task.id, clone(task));
    return { created: true, task };
  }

  async getTask(id: string): Promise<RenewalTask | undefined> {
    const stored = this.tasks.get(id);
    return stored ? clone(stored) : undefined;
  }

  async listTermTasks(contractId: string, termId: string): Promise<RenewalTask[]> {
    return [...this.tasks.values()]
      .filter((task) => task.contractId === contractId && task.termId === termId)
      .sort((a, b) => b.checkpointDays - a.checkpointDays)
      .map(clone);
  }

  async listTasks(filter: TaskListFilter): Promise<RenewalTask[]> {
    return [...this.tasks.values()]
      .filter((task) => filter.contractId === undefined || task.contractId === filter.contractId)
      .filter((task) => filter.owner === undefined || task.owner === filter.owner)
      .filter((task) => filter.dueBefore === undefined || task.dueDate < filter.dueBefore)
      .filter((task) => filter.statuses === undefined || filter.statuses.includes(task.status))
      .sort(byDueDate)
      .map(clone);
  }

  async updateTask(task: RenewalTask): Promise<RenewalTask> {
    const stored = this.tasks.get(task.id);
    if (!stored || stored.version !== task.version - 1) throw new TaskVersionConflictError(task.id, task.version - 1);
    this.tasks.set(task.id, clone(task));
    return task;
  }

  async putAssessment(assessment: StoredAssessment): Promise<void> {
    this.assessments.set(`${assessment.contractId}|${assessment.termId}|${assessment.checkpointDays}`, clone(assessment));
  }

  async listAssessments(contractId: string, termId?: string): Promise<StoredAssessment[]> {
    return [...this.assessments.values()]
      .filter((assessment) => assessment.contractId === contractId && (termId === undefined || assessment.termId === termId))
      .sort((a, b) => (a.termId === b.termId ? b.checkpointDays - a.checkpointDays : a.termId < b.termId ? -1 : 1))
      .map(clone);
  }

  async putRenewalResult(record: RenewalResultRecord): Promise<void> {
    this.results.set(`${record.contractId}|${record.termId}`, clone(record));
  }

  async getRenewalResult(contractId: string, termId: string): Promise<RenewalResultRecord | undefined> {
    const stored = this.results.get(`${contractId}|${termId}`);
    return stored ? clone(stored) : undefined;
  }

  async listRenewalResults(): Promise<RenewalResultRecord[]> {
    return [...this.results.values()].sort((a, b) => (`${a.contractId}#${a.termId}` < `${b.contractId}#${b.termId}` ? -1 : 1)).map(clone);
  }
}
