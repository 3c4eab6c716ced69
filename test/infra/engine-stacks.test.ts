// Every assertion on the synthesized stacks, in one test file. Each test file
// runs in its own process and loading aws-cdk-lib is most of the cost, so the
// suites share one load; they stay separate modules by subject.
import './suites/stateful-stack.suite';
import './suites/stateless-stack.suite';
import './suites/least-privilege.suite';
import './suites/function-routes.suite';
import './suites/stripe-webhook.suite';
import './suites/check-caps.suite';
import './suites/threshold-invoicing.suite';
import './suites/usage-drops.suite';
import './suites/billing-alerts.suite';
import './suites/cdk-nag.suite';
import './suites/scheduling.suite';
import './suites/engine-functions.suite';
import './suites/task-webhook.suite';
import './suites/renewal-risk-settings.suite';
import './suites/console-hosting.suite';
