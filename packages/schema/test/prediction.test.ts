import { describe, expect, it } from 'vitest';
import { failureMessages } from '../src/index';

describe('the operator sentence in Korean', () => {
  it('is the seed sentence in standard spelling: "보았을 때" (the seed wrote "보았을때", without the space)', () => {
    const { ko } = failureMessages(0.857);
    expect(ko).toBe('현재 온도, 모터속도, 진동 등 센서데이터의 수치로 보았을 때 실린더가 고장날 확률은 86%입니다');
    // 때 is a dependent noun and is written apart from the adnominal 보았을 (Standard Korean spacing rules)
    expect(ko).toContain('보았을 때');
    expect(ko).not.toContain('보았을때');
  });
});
