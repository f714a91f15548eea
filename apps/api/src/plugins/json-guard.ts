import { fieldOfProblem, jsonProblem } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route judges its body's JSON itself (the event webhook fails the run instead of refusing). */
    judgesJsonItself?: boolean;
  }
}

/**
 * Every JSON body, before its schema walks it, passes engine's `jsonProblem`: at most 64 levels
 * deep, bounded in size, and only strings PostgreSQL can store (no U+0000, no lone surrogate).
 * Otherwise 400 naming the field, and nothing is stored half-way.
 */
export const jsonGuard = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.judgesJsonItself || request.body === undefined || request.body === null) return;
    const problem = jsonProblem(request.body);
    if (!problem) return;
    const field = fieldOfProblem('body', problem);
    throw new ConveyorError({ code: 'VALIDATION_FAILED', message: `${field}: ${problem.message}`, details: { field } });
  });
});
