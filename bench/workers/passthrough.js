// The floor: forwards every request to origin untouched.
import { toOrigin } from './common.js';

export default {
  fetch(request, env) {
    return toOrigin(request, env, new URL(request.url), null);
  },
};
