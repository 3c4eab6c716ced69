// The CSMs' renewal board: open renewal-risk tasks by priority and due date,
// each with its tier, score, reasons, recommended play and value summary,
// the contract's outcomes against target with checkpoint scores, and the
// actions: acknowledge, record the renewal result.
import { useState } from 'preact/hooks';
import { apiPath, type Api } from './api';
import { minorToDecimal, groupDigits } from './format';
import { ProgressChart } from './progress-chart';
import { Status } from './status';
import type { ContractProgress, Task } from './types';
import { useLoad } from './use-load';

function ContractChart({ api, contractId, customer }: { api: Api; contractId: string; customer: string }) {
  const [progress] = useLoad(() => api.get<ContractProgress>(apiPath('contracts', contractId, 'progress')), [contractId]);
  return <Status loaded={progress}>{(value) => <ProgressChart progress={value} title={`${customer}: outcomes per period against target, ${contractId}`} />}</Status>;
}

export function TaskCard({ api, task, onChanged }: { api: Api; task: Task; onChanged: () => void }) {
  const [result, setResult] = useState('renewed');
  const [message, setMessage] = useState<string | undefined>();
  const customer = task.customerName ?? task.customerId;
  const headingId = `task-${task.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setMessage(done);
      onChanged();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    }
  };
  const revenueAtRisk =
    task.priority.revenueAtRiskMinor !== undefined ? `${groupDigits(minorToDecimal(task.priority.revenueAtRiskMinor))} ${task.priority.currency}` : '–';
  return (
    <article class={`task tier-${task.tier}`} aria-labelledby={headingId} data-task-id={task.id}>
      <h3 id={headingId}>
        {customer} <span class="muted">· {task.contractId}</span>
      </h3>
      <dl class="facts">
        <div>
          <dt>Priority</dt>
          <dd>{task.priority.rank}</dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd class="tier">{task.tier}</dd>
        </div>
        <div>
          <dt>Score</dt>
          <dd>{task.score} / 100</dd>
        </div>
        <div>
          <dt>Due</dt>
          <dd>{task.dueDate}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd class="task-status">{task.status}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{task.owner}</dd>
        </div>
        <div>
          <dt>Revenue at risk</dt>
          <dd>{revenueAtRisk}</dd>
        </div>
      </dl>
      <h4>Reasons</h4>
      <ul class="reasons">
        {task.reasons.map((reason) => (
          <li key={reason.code}>
            <strong>{reason.code}</strong>: {reason.message}
          </li>
        ))}
      </ul>
      <p>
        <strong>Recommended play:</strong> {task.recommendedPlay ? `${task.recommendedPlay.title} (${task.recommendedPlay.code})` : 'none'}
      </p>
      <p>
        <strong>Value:</strong> {task.valueSummary.sentence}
      </p>
      <ContractChart api={api} contractId={task.contractId} customer={customer} />
      <div class="actions">
        {task.status === 'open' && (
          <button type="button" onClick={() => act(() => api.post(apiPath('tasks', task.id, 'acknowledge'), {}), 'Acknowledged.')}>
            Acknowledge
          </button>
        )}
        {task.status !== 'resolved' && (
          <form
            class="inline"
            onSubmit={(event) => {
              event.preventDefault();
              void act(() => api.post(apiPath('tasks', task.id, 'resolve'), { result }), `Renewal result recorded: ${result}.`);
            }}
          >
            <label>
              Renewal result{' '}
              <select value={result} onChange={(event) => setResult((event.target as HTMLSelectElement).value)}>
                <option value="renewed">renewed</option>
                <option value="downsized">downsized</option>
                <option value="churned">churned</option>
              </select>
            </label>{' '}
            <button type="submit">Resolve</button>
          </form>
        )}
        {message && (
          <p role="status" class="message">
            {message}
          </p>
        )}
      </div>
    </article>
  );
}

export function RenewalBoard({ api }: { api: Api }) {
  const [tasks, reload] = useLoad(() => api.get<Task[]>('/api/tasks'), []);
  return (
    <section aria-labelledby="board-heading">
      <h2 id="board-heading">Renewal board</h2>
      <p class="muted">Open renewal-risk tasks, the most urgent first (priority, then due date).</p>
      <Status loaded={tasks}>
        {(list) => (list.length === 0 ? <p>No open renewal-risk tasks.</p> : list.map((task) => <TaskCard key={task.id} api={api} task={task} onChanged={reload} />))}
      </Status>
    </section>
  );
}
